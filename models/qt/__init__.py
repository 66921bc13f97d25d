"""Qt item models and the room's view-model. The only part of `models` that imports Qt."""
