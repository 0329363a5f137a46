"""The template's benchmark: the generated services against a floor and reference apps."""
