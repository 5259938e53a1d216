"""Conversation scripts: a companion's character, tested the way code is tested.

A ``*.convo.yaml`` file says who she is, which backend speaks for her, where the clock starts,
and then what the user says (and how long they stay away), each step followed by what must
hold: in her reply, her mood, the relationship, her memory, and the prompt the model was sent.
``samantha test`` and the pytest plugin both run them through the real ``Companion`` engine.

This package's ``__init__`` imports nothing, so the pytest plugin costs nothing to load.
"""
