"""The officials' reports (``/desk/reports``): figures as plain Python, SVG charts, CSV downloads."""
