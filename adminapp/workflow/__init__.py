"""Domain services of the workflows: plain Python, no Flask request objects."""
