"""SynthReID: the generated pedestrian data set (issue 3)."""
