"""The browser client: one HTML shell and ES modules, served by the server itself."""
