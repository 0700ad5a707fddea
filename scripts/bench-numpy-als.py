#!/usr/bin/python3
"""The bench's in-run reference: the assignment's numpy ALS (../shared/seeds/002_*, question 3), timed.

    /usr/bin/python3 scripts/bench-numpy-als.py <ml-100k dir>

Started by scripts/bench.js (one process for the whole run, pinned with taskset to the core the mflab rows use, one
BLAS thread: OPENBLAS_NUM_THREADS=1 and friends are set by the caller). Reads one JSON command per line on stdin and
answers one JSON line on stdout:

    {"cmd": "iterate", "d": 10, "lambda": 1, "iterations": 1, "seed": 0}
        -> {"seconds": [s, ...], "trainMse": x, "testMse": y}
    {"cmd": "quit"}

The data are the assignment's: dense matrices train_matrix and test_matrix (943 x 1682, 0 = missing) from u1.base
and u1.test (ids minus 1). An "iterate" command is train_latent_factor_model exactly as the assignment wrote it
(np.random.rand initialization, then per iteration: copies of U and V, for every user the dense row's nonzeros,
np.linalg.solve(Vj.T @ Vj + lambda_reg * np.eye(d), Vj.T @ Ri), the same for every movie over the dense column,
then the Frobenius norms of the changes) with the convergence test replaced by a fixed number of iterations, so
that both sides do the same cells; "seconds" is the wall time of each iteration (time.perf_counter), the
initialization excluded. The assignment's mean_squared_error is evaluated once at the end (not timed).
"""

import json
import os
import sys
import time

import numpy as np


def read_matrix(path, shape):
    m = np.zeros(shape)
    with open(path) as f:
        for line in f:
            u, i, r, _ = line.split("\t")
            m[int(u) - 1, int(i) - 1] = float(r)
    return m


def mean_squared_error(R, U, V):
    prediction = U @ V.T
    error = np.sum((R[np.nonzero(R)] - prediction[np.nonzero(R)]) ** 2)
    return error / len(R[np.nonzero(R)])


def iterate(R, d, lambda_reg, iterations, seed):
    """The assignment's train_latent_factor_model for a fixed number of iterations; per-iteration seconds."""
    np.random.seed(seed)
    n_users, n_movies = R.shape
    U = np.random.rand(n_users, d)
    V = np.random.rand(n_movies, d)
    seconds = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        U_prev = U.copy()
        V_prev = V.copy()
        # Update U
        for i in range(n_users):
            non_zero_indices = np.nonzero(R[i])[0]
            if len(non_zero_indices) > 0:
                Vj = V[non_zero_indices, :]
                Ri = R[i, non_zero_indices].reshape(-1, 1)
                U[i, :] = np.linalg.solve(Vj.T @ Vj + lambda_reg * np.eye(d), Vj.T @ Ri).flatten()
        # Update V
        for j in range(n_movies):
            non_zero_indices = np.nonzero(R[:, j])[0]
            if len(non_zero_indices) > 0:
                Ui = U[non_zero_indices, :]
                Rj = R[non_zero_indices, j].reshape(-1, 1)
                V[j, :] = np.linalg.solve(Ui.T @ Ui + lambda_reg * np.eye(d), Ui.T @ Rj).flatten()
        # Check for convergence (computed as the assignment does; the loop runs a fixed number of iterations)
        delta_U = np.linalg.norm(U - U_prev, "fro")
        delta_V = np.linalg.norm(V - V_prev, "fro")
        _current_loss = delta_U + delta_V
        seconds.append(time.perf_counter() - t0)
    return U, V, seconds


def main():
    data = sys.argv[1]
    shape = (943, 1682)
    train_matrix = read_matrix(os.path.join(data, "u1.base"), shape)
    test_matrix = read_matrix(os.path.join(data, "u1.test"), shape)
    blas = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    print(json.dumps({"ready": True, "numpy": np.__version__, "python": sys.version.split()[0], "blasThreads": blas}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        if cmd["cmd"] == "iterate":
            U, V, seconds = iterate(train_matrix, int(cmd["d"]), float(cmd["lambda"]), int(cmd["iterations"]), int(cmd.get("seed", 0)))
            out = {"seconds": seconds, "trainMse": mean_squared_error(train_matrix, U, V), "testMse": mean_squared_error(test_matrix, U, V)}
            print(json.dumps(out), flush=True)
        else:
            print(json.dumps({"error": "unknown command " + str(cmd["cmd"])}), flush=True)


if __name__ == "__main__":
    main()
