"""The HTTP face: a FastAPI application assembled from one router per module."""
