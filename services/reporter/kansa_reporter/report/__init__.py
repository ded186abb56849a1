"""The monthly self-inspection report: section view models (sections/), Jinja2 templates per language, rendering."""
