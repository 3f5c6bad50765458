"""Item analysis of knowledge checks and the summative exam, for course authors and program staff."""
