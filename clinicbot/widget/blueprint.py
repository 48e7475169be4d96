"""Blueprint serving the chat widget's assets and the demo clinic page."""

from sanic import Blueprint

bp = Blueprint("widget")
