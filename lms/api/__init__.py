from lms.api.views import bp

__all__ = ["bp"]
