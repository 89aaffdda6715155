"""The CNN primer's example data, shared by the tests that redo its worked
examples (test_model_primer with torch, test_model_explain through model.explain)."""

TOY = [[1, 1, 2, 4, 5],
       [3, 2, 1, 0, 1],
       [0, 1, 3, 2, 2],
       [1, 0, 1, 3, 1],
       [2, 1, 4, 1, 0]]
LAPLACIAN = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]

CROSS = [[0, 0, 1, 1, 1, 0, 0]] * 2 + [[1] * 7] * 3 + [[0, 0, 1, 1, 1, 0, 0]] * 2

SEVEN = [[1, 1, 1, 0, 0],
         [0, 1, 1, 1, 0],
         [0, 0, 1, 1, 1],
         [0, 0, 1, 1, 0],
         [0, 1, 1, 0, 0]]
VERTICAL_EDGE = [[1, 0, -1]] * 3

# Section 5's tables, as printed (3 decimals).
GELU_TABLE = {-2.0: -0.045, -1.0: -0.159, -0.5: -0.154, 0.0: 0.0,
              0.5: 0.346, 1.0: 0.841, 2.0: 1.955}
DEAD_NEURON_TABLE = {-2.5: -0.015, -1.8: -0.065, -0.3: -0.115, -0.1: -0.046}
