"""What the template's tests and its benchmarks share: baking the template, installing
and serving a bake, and throwaway database servers to run it against."""
