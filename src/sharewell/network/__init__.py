"""The network: member–member connections, the in-memory graph index and path search.

``graph`` holds the database-free engine (CSR index, change overlay, vectorised queries);
``rules`` holds the pure wording and default rules. Neither imports the database. ``models``,
``service``, ``queries`` and ``index`` connect them to the tables; ``terms`` keeps the filter
terms current (its ORM hook is installed by ``sharewell.db`` users through ``all_models``).
"""
