"""Moving the module's content to other learning platforms (qti.py: question banks as an IMS QTI package)."""
