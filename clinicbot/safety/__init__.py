"""Safety layer of the clinic assistant.

Detects crisis (suicidal ideation, method seeking, self-harm, harm to others, abuse,
third-party risk), medical emergencies (overdose, severe reactions), requests for personal
medical advice, and information questions that merely mention suicide. The detector combines
high-precision patterns (``patterns.yml``) with a small TF-IDF + logistic-regression classifier
for recall. Nothing is read from disk at import time.
"""

from clinicbot.safety.detector import SafetyDetector, SafetyResult
from clinicbot.safety.normalize import normalize

__all__ = ["SafetyDetector", "SafetyResult", "normalize"]
