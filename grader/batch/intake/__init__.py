"""What a batch grades: the submissions of a folder or of a Gradescope export (`sources`), the export's zip
unpacked with every member checked first (`unpack`). Imports nothing else of the batch.
"""
