"""nixedge: the model, the renderer, the host engine and the edge (see README's layout)."""

from components import legacy

# States written by earlier versions name the providers by their old module paths.
legacy.install()
