"""Learner records: resume codes, saved progress, answer events, cohorts and their results, certificate IDs.

SQLite in the data folder by default; PostgreSQL by URL when several servers share the records (see store.py for
how the place is chosen). Nothing personal is needed: a learner is a random resume code; the dashboard never stores
a certificate name (only a salted hash of it, to confirm a name typed when the certificate is checked), and keeps a
learner's own typed questions only if they tick "keep".
"""
from .certificates import Verification, verify
from .codes import grouped, normalise
from .errors import StoreError
from .models import AnswerEvent, Cohort, IssuedCertificate, Learner, LearnerRecord
from .results import CohortResults, LearnerProgress, QuestionStats
from .store import DATA_DIR_ENV, DATABASE_URL_ENV, Store, default_data_dir, locate, open_store, store_env

__all__ = ["AnswerEvent", "Cohort", "CohortResults", "DATABASE_URL_ENV", "DATA_DIR_ENV", "IssuedCertificate",
           "Learner", "LearnerProgress", "LearnerRecord", "QuestionStats", "Store", "StoreError", "Verification",
           "default_data_dir", "grouped", "locate", "normalise", "open_store", "store_env", "verify"]
