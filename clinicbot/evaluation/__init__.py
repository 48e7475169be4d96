"""NLU evaluation (``make evaluate-nlu``) and the design comparison (``make compare-nlu``).

``nlu`` scores the trained model the way a patient meets it. The headline set is
``../shared/data/real-faq-dev.yml``: real questions from other clinics' public FAQ pages plus
everyday requests that have nothing to do with the clinic, labelled with a topic id (``also`` =
a second topic that is equally right). Every question is parsed by the trained Rasa model (safety
router, fallback, vocabulary gate included) and then sent through the project's own rules,
domain responses and actions (``action_answer_topic``, ``action_clarify``), so the figures
describe the reply: an answered topic (and any "did you mean" buttons), a clarification with
which buttons, the out-of-scope reply, or something else. It prints

* **right topic**: the answer's topic is the labelled topic or its ``also`` (an everyday
  request counts when it gets the out-of-scope reply);
* **confident wrong answers**: a knowledge-base answer to another topic with no button for the
  right one (a wrong answer that offers the right topic as "did you mean" is counted apart);
* **clarify rate** and, for the in-scope questions that were clarified, how often the right topic
  was one of the buttons;
* per-topic recall and a confusion-matrix picture (``results/nlu-real-confusion.png``).

The second figure is intent accuracy on ``tests/nlu/heldout.yml``. The command exits 1 when a
figure misses its goal (``GOALS``). Nothing here chooses a threshold: they are chosen by
cross-validation on the training data (``clinicbot.components.calibration``), never on these sets.

``compare`` trains the candidate designs on the same data and scores each on the real set at a
matched clarify rate (see ``run_compare``).

``model_parser`` and ``model_predictor`` are the public loaders of a trained model (used by the
tests and by other evaluations): text in, Rasa parse result or (intent, confidence) out.

Modules: ``cases`` (sets, labels, training examples), ``leaks`` (similarity leak check),
``scoring`` (what counts as right, confident wrong, offered), ``patient`` (a model's parse run
through the rules and actions), ``report`` (``nlu``), ``calibrate``, ``compare``, ``fast``
(in-process candidate scoring without ``rasa train``) and ``cli``.
``clinicbot.evaluate`` re-exports the public names and runs the command line.
"""
