__version__ = "0.1.0"

# One set of defaults for the whole pipeline: `ntps moments`, `probe`, `lora`, `run`, `study` and `StudyConfig` all use
# these, so every command sees the same texts, cut at the same length, by default. Kept here (no imports) so that
# `import ntps` and `ntps --help` stay fast.
MAX_TRAIN = 512 # training texts per dataset (stratified subset)
MAX_TEST = 256 # test texts per dataset
MAX_LENGTH = 128 # tokens per text (longer texts are truncated)
BATCH_SIZE = 16 # texts per forward pass
