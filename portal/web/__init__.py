"""The screens and the REST API: Flask-AppBuilder views, forms and endpoints over the register service."""
