"""`keras-bert quickstart`: the whole main job on text that is already on the machine."""
