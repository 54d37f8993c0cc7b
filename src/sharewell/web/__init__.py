"""Server-rendered pages (Jinja2 + htmx), thin in the same way as the API."""
