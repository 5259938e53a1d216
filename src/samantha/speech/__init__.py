"""Her voice: replies spoken sentence by sentence, and push-to-talk transcribed into the input.

An optional extra (``pip install 'samantha[voice]'``). Nothing here is imported by the engine;
front ends open a ``VoiceSession`` (``samantha.speech.session``) and feed it the reply's chunks.
"""
