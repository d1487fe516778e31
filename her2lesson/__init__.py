"""her2lesson: an interactive learning module about metastatic HER2-positive breast cancer."""
__version__ = "0.1.0"
