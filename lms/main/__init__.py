from lms.main.views import bp

__all__ = ["bp"]
