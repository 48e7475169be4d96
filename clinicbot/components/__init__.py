"""The project's Rasa graph components: everything ``config.yml`` names besides Rasa's own.

NLU pipeline, in the order ``config.yml`` runs them (each declares ``required_components`` so
a pipeline in the wrong order is rejected, see ``pipeline_check``):

- ``safety_detector.SafetyDetectorComponent``: the safety verdict of every message;
- ``intent_classifier.TfidfIntentClassifier``: the intent, from ``text_classifier``;
- ``vocabulary_gate.VocabularyGate``: mostly unknown words fall back;
- ``calibration.AnswerCalibration``: the "did you mean" topics;
- ``safety_router.SafetyRouter``: a safety verdict becomes the safety intent.

Dialogue policies: ``policies.SafetyInterruptsLoopPolicy`` and ``policies.StaffHoldPolicy``.
Trained components persist their state as JSON through ``base.JsonPersistedComponent`` (never
pickle). This module imports nothing, so importing one component does not import the others.
"""
