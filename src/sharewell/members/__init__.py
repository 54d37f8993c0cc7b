"""Members: accounts, sign-in and the shop-window profile."""
