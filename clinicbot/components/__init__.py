"""The project's Rasa graph components: everything ``config.yml`` names besides Rasa's own.

NLU pipeline, in the order ``config.yml`` runs them:

- ``safety_detector.SafetyDetectorComponent``: the safety verdict of every message;
- ``intent_classifier.TfidfIntentClassifier``: the intent;
- ``vocabulary_gate.VocabularyGate``: mostly unknown words fall back;
- ``calibration.AnswerCalibration``: the "did you mean" topics;
- ``safety_router.SafetyRouter``: a safety verdict becomes the safety intent.

Dialogue policies: ``policies.SafetyInterruptsLoopPolicy``, ``policies.SafetyContextPolicy``
(a veiled message after a distress message) and ``policies.StaffHoldPolicy``.

Shared parts: ``safety_context`` (each message's risk signals; the two-message rule and the
router's check of a classifier-only guess), ``base`` (configuration, and
``JsonPersistedComponent``: train, persist and load written once, the state as JSON through
``json_state``, never pickle),
``text_classifier`` (the generic TF-IDF + logistic regression both classifiers use) and
``pipeline_check`` (each component declares ``required_components``; this runs Rasa's graph
validation on the prediction graph too, so a pipeline in the wrong order is rejected). This
module imports nothing, so importing one component does not import the others.
"""
