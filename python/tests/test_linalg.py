"""penrose.linalg on a classic session against numpy/scipy, finite differences and JAX."""

import numpy as np
import pytest
from conftest import central_difference, rank_deficient

import penrose
from penrose import linalg


def test_lstsq_full_rank_matches_numpy_and_reports_the_route(spark, tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((60, 5)), rng.standard_normal(60)
    np.save(tmp_path / "A.npy", a)
    res = linalg.lstsq(str(tmp_path / "A.npy"), b)
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    assert res.x.shape == (5,)
    np.testing.assert_allclose(res.x, x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.residuals, residuals, rtol=1e-10)
    np.testing.assert_allclose(res.singular_values, s, rtol=1e-12)
    assert res.rank == rank == 5
    assert res.route == "tsqr" and "TSQR" in res.route_reason
    assert res.certificate is None


def test_lstsq_rank_deficient_matrix_rhs_from_a_dataframe_with_an_index(spark):
    a, _, _ = rank_deficient(40, 6, 3, seed=1)
    b = np.random.default_rng(2).standard_normal((40, 2))
    order = np.random.default_rng(3).permutation(40)  # rows arrive shuffled; the index puts them in order
    df = spark.createDataFrame([(int(i), a[i].tolist()) for i in order], "id long, features array<double>")
    res = linalg.lstsq(df, b, column="features", index="id")
    np.testing.assert_allclose(res.x, np.linalg.pinv(a) @ b, rtol=1e-9, atol=1e-12)
    assert res.rank == 3
    assert res.x.shape == (6, 2) and res.residuals.shape == (2,)
    np.testing.assert_allclose(res.residuals, ((b - a @ res.x) ** 2).sum(axis=0), rtol=1e-9)


def test_lstsq_truncated_route_at_a_fixed_rank_matches_numpy_pcr(spark):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((80, 10)) @ np.diag(np.geomspace(10, 0.1, 10))
    b = rng.standard_normal(80)
    res = linalg.lstsq(a, b, rank=4, partitions=3)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    pcr = vt[:4].T @ ((u[:, :4].T @ b) / s[:4])
    assert res.route == "truncated" and res.rank == 4
    np.testing.assert_allclose(res.x, pcr, rtol=1e-8, atol=1e-10)
    assert res.certificate is not None and res.certificate < 1e-8


def test_lstsq_vjp_matches_central_differences_along_a_rank_preserving_curve(spark):
    a, da, at = rank_deficient(30, 5, 2, seed=5)
    rng = np.random.default_rng(6)
    b, db, gx = rng.standard_normal(30), rng.standard_normal(30), rng.standard_normal(5)
    res = linalg.lstsq(a, b, cotangent=gx, tangent=(da, db))
    grad_a, grad_b = linalg.to_numpy(res.grad_a), linalg.to_numpy(res.grad_b)
    assert grad_a.shape == (30, 5) and grad_b.shape == (30, 1)
    fd = central_difference(lambda t: gx @ np.linalg.pinv(at(t)) @ (b + t * db))
    assert abs(np.sum(grad_a * da) + grad_b[:, 0] @ db - fd) < 1e-7 * max(1, abs(fd))
    fd_x = central_difference(lambda t: np.linalg.pinv(at(t)) @ (b + t * db))
    np.testing.assert_allclose(res.dx, fd_x, rtol=1e-6, atol=1e-8)


def test_pinv_and_its_derivatives_match_numpy_and_finite_differences(spark):
    a, da, at = rank_deficient(12, 7, 3, seed=7)
    g = np.random.default_rng(8).standard_normal((7, 12))
    res = linalg.pinv(a, cotangent=g, tangent=da)
    np.testing.assert_allclose(linalg.to_numpy(res.pinv_t).T, np.linalg.pinv(a), rtol=1e-9, atol=1e-12)
    assert res.rank == 3
    fd = central_difference(lambda t: np.sum(np.linalg.pinv(at(t)) * g))
    grad_a = linalg.to_numpy(res.grad_a)
    assert abs(np.sum(grad_a * da) - fd) < 1e-7 * max(1, abs(fd))
    fd_p = central_difference(lambda t: np.linalg.pinv(at(t)))
    np.testing.assert_allclose(linalg.to_numpy(res.dpinv_t).T, fd_p, rtol=1e-5, atol=1e-7)


def test_pinv_cut_off_follows_numpy_rtol_and_atol(spark):
    a = np.diag([1.0, 1e-3, 1e-9])
    assert linalg.pinv(a).rank == 3
    assert linalg.pinv(a, rtol=1e-6).rank == 2
    assert linalg.pinv(a, atol=1e-2).rank == 1
    np.testing.assert_allclose(linalg.to_numpy(linalg.pinv(a, rtol=1e-6).pinv_t).T,
                               np.linalg.pinv(a, rcond=1e-6), atol=1e-12)


def test_svd_matches_scipy_svds(spark):
    from scipy.sparse.linalg import svds

    rng = np.random.default_rng(9)
    a = rng.standard_normal((100, 12)) @ np.diag(np.geomspace(50, 1, 12))
    res = linalg.svd(a, 3)
    s_ref = np.sort(svds(a, k=3, random_state=0)[1])[::-1]
    np.testing.assert_allclose(res.s, s_ref, rtol=1e-10)
    u = linalg.to_numpy(res.u)
    np.testing.assert_allclose(np.abs(np.sum(u * (a @ res.v), axis=0)), res.s, rtol=1e-10)
    assert res.v.shape == (12, 3) and res.rank == 3 and res.certificate < 1e-8


def test_ridge_matches_the_closed_form_and_its_mu_derivative(spark):
    rng = np.random.default_rng(10)
    a, b, gx = rng.standard_normal((50, 4)), rng.standard_normal(50), rng.standard_normal(4)
    mu = 0.7

    def solve(m):
        return np.linalg.solve(a.T @ a + m * np.eye(4), a.T @ b)

    res = linalg.ridge(a, b, mu, cotangent=gx, tangent=(None, None, 1.0))
    np.testing.assert_allclose(res.x, solve(mu), rtol=1e-12)
    fd = central_difference(lambda t: gx @ solve(mu + t))
    assert abs(res.grad_mu - fd) < 1e-7
    np.testing.assert_allclose(res.dx, central_difference(lambda t: solve(mu + t)), rtol=1e-6)


def test_jax_agrees_where_it_is_right_and_gives_nan_where_penrose_matches_finite_differences(spark):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    # pinv of a rank-deficient A = X Y^T: JAX's pinv JVP is the same Golub-Pereyra formula
    a, da, at = rank_deficient(9, 6, 2, seed=11)
    g = np.random.default_rng(12).standard_normal((6, 9))
    jax_grad = np.asarray(jax.grad(lambda m: jnp.sum(jnp.linalg.pinv(m) * g))(jnp.asarray(a)))
    ours = linalg.to_numpy(linalg.pinv(a, cotangent=g).grad_a)
    np.testing.assert_allclose(ours, jax_grad, rtol=1e-8, atol=1e-10)

    # lstsq of a matrix whose singular values are all equal (orthonormal columns): JAX differentiates
    # through its SVD and divides by s_i^2 - s_j^2 = 0; Penrose's formula has no such term
    rng = np.random.default_rng(13)
    q = np.linalg.qr(rng.standard_normal((10, 4)))[0]
    b, gx, dq = rng.standard_normal(10), rng.standard_normal(4), rng.standard_normal((10, 4))
    jax_lstsq = np.asarray(jax.grad(lambda m: jnp.dot(jnp.linalg.lstsq(m, b)[0], gx))(jnp.asarray(q)))
    assert not np.all(np.isfinite(jax_lstsq))
    ours = linalg.to_numpy(linalg.lstsq(q, b, cotangent=gx).grad_a)
    fd = central_difference(lambda t: gx @ np.linalg.lstsq(q + t * dq, b, rcond=None)[0])
    assert abs(np.sum(ours * dq) - fd) < 1e-7 * max(1, abs(fd))


def test_the_seed_reproduction_pinv_of_x_y_transpose_passes_a_gradient_check(spark):
    # pinv(x y^T) with x, y 30 x 1: the case that started Penrose (torch's gradcheck failed on it)
    rng = np.random.default_rng(14)
    x, y, dx, dy = (rng.standard_normal((30, 1)) for _ in range(4))
    g = rng.standard_normal((30, 30))
    grad_a = linalg.to_numpy(linalg.pinv(x @ y.T, cotangent=g).grad_a)
    fd = central_difference(lambda t: np.sum(np.linalg.pinv((x + t * dx) @ (y + t * dy).T) * g))
    assert abs(np.sum(grad_a * (dx @ y.T + x @ dy.T)) - fd) < 1e-7 * max(1, abs(fd))


@pytest.mark.parametrize("call, message", [
    (lambda a, p: linalg.lstsq(p, np.ones(7)), "shape mismatch: B is 7 x 1 but A is 20 x 3"),
    (lambda a, p: linalg.lstsq(p, np.full(20, np.nan)), "B: non-finite value nan at (0,)"),
    (lambda a, p: linalg.lstsq(p, np.ones(20), cotangent=np.ones(4)), "the cotangent gX is 4 x 1 but must match X, which is 3 x 1"),
    (lambda a, p: linalg.lstsq(p, np.array(["a"] * 20)), "B: unsupported dtype <U1"),
    (lambda a, p: linalg.lstsq(p, np.ones(20), method="qr"), "method must be one of auto, tsqr, truncated"),
    (lambda a, p: linalg.pinv(p, rtol=-1), "rtol must be a finite number >= 0"),
    (lambda a, p: linalg.pinv(p, method="tsqr", rank=2), "a fixed rank (2) needs the truncated route"),
])
def test_bad_input_raises_one_invalid_input_error_with_penrose_message(spark, tmp_path, call, message):
    a = np.random.default_rng(15).standard_normal((20, 3))
    np.save(tmp_path / "A.npy", a)
    with pytest.raises(penrose.InvalidInputError) as error:
        call(a, str(tmp_path / "A.npy"))
    assert message in str(error.value)
    assert "\n" not in str(error.value) and "Py4J" not in str(error.value)


def test_a_task_failing_on_bad_input_is_reported_once(spark, classic_only, tmp_path, capfd):
    a = np.ones((40, 3))
    a[31, 2] = np.nan
    np.save(tmp_path / "nan.npy", a)
    capfd.readouterr()
    with pytest.raises(penrose.InvalidInputError, match="row 31 has a non-finite value NaN in column 2"):
        linalg.pinv(str(tmp_path / "nan.npy"), partitions=2)
    err = capfd.readouterr().err  # the JVM's stderr too: Spark's task logs would land here
    assert "Exception in task" not in err and "\tat org.penrose" not in err and "Lost task" not in err, err


def test_bad_files_and_dataframes_name_the_problem(spark, tmp_path):
    with pytest.raises(penrose.MissingFileError, match="no such file"):
        linalg.pinv(str(tmp_path / "missing.npy"))
    (tmp_path / "corrupt.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(penrose.InvalidInputError, match="corrupt.npy"):
        linalg.pinv(str(tmp_path / "corrupt.npy"))
    a = np.ones((4, 2))
    a[2, 1] = np.inf
    np.save(tmp_path / "inf.npy", a)
    with pytest.raises(penrose.InvalidInputError, match="row 2 has a non-finite value"):
        linalg.pinv(str(tmp_path / "inf.npy"))
    ragged = spark.createDataFrame([([1.0, 2.0],), ([3.0],)], "v array<double>")
    with pytest.raises(penrose.InvalidInputError, match="ragged rows: row 1 has 1 values but row 0 has 2"):
        linalg.pinv(ragged)
    with pytest.raises(penrose.InvalidInputError, match="no column 'nope'"):
        linalg.pinv(ragged, column="nope")
    two = spark.createDataFrame([([1.0], [2.0])], "u array<double>, v array<double>")
    with pytest.raises(penrose.InvalidInputError, match=r"several vector or array<double> columns \(u, v\)"):
        linalg.pinv(two)


def test_lsmr_route_agrees_with_scipy_lsmr_and_with_the_direct_solution(spark, tmp_path):
    from scipy.io import mmwrite
    from scipy.sparse import random as sparse_random
    from scipy.sparse.linalg import lsmr

    a = sparse_random(300, 50, density=0.08, random_state=np.random.default_rng(40), format="csr")
    a = a + sparse_random(300, 50, density=0.02, random_state=np.random.default_rng(41), format="csr")
    b = np.random.default_rng(42).standard_normal(300)
    mmwrite(str(tmp_path / "A.mtx"), a)
    dense = a.toarray()
    for damp, atol in ((0.0, 1e-6), (0.0, 1e-12), (1.5, 1e-12)):
        res = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", atol=atol, btol=atol, damp=damp)
        x, _, itn, normr, normar, norma = lsmr(a, b, damp=damp, atol=atol, btol=atol)[:6]
        assert res.route == "lsmr" and res.rank is None and res.converged
        # the same recurrences and stopping rules: the same iteration (give or take rounding), iterate and
        # certificate (measured: equal iterations, x within 1.2e-10 relative)
        assert abs(res.iterations[0] - itn) <= 1, (res.iterations, itn)
        assert np.linalg.norm(res.x - x) <= 1e-8 * np.linalg.norm(x), (damp, atol)
        assert res.certificate == pytest.approx(normar / (norma * normr), rel=1e-6)
        exact = np.linalg.solve(dense.T @ dense + damp ** 2 * np.eye(50), dense.T @ b)
        tolerance = 1e-5 if atol == 1e-6 else 1e-10  # scipy's default tolerances are loose (measured 7.1e-6)
        assert np.linalg.norm(res.x - exact) <= tolerance * np.linalg.norm(exact), (damp, atol)
    limited = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", max_iterations=2)
    assert limited.converged is False and limited.iterations == [2]
    with pytest.raises(penrose.InvalidInputError, match="takes no rtol"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", rtol=1e-3)
    with pytest.raises(penrose.InvalidInputError, match="damp, btol, max_iterations, forward_error and deflate are LSMR's"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, damp=1.0)
    # the accuracy of x: with damp > 0, a bound from x itself that holds against numpy's solution, and a target
    exact = np.linalg.solve(dense.T @ dense + 0.3 ** 2 * np.eye(50), dense.T @ b)
    loose = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", damp=0.3, atol=1e-4, btol=1e-4)
    error = np.linalg.norm(loose.x - exact) / np.linalg.norm(loose.x)
    assert error <= loose.forward_error * (1 + 1e-6) + 1e-13, (error, loose.forward_error)
    targeted = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", damp=0.3, forward_error=1e-11)
    assert targeted.converged and targeted.forward_error <= 1e-11
    assert np.linalg.norm(targeted.x - exact) <= 1e-11 * np.linalg.norm(targeted.x)
    assert linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr").forward_error is None
    with pytest.raises(penrose.InvalidInputError, match="needs damp > 0"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", forward_error=1e-8)


def test_lsmr_deflated_by_the_largest_singular_triplets_is_still_the_minimum_norm_solution(spark, tmp_path):
    from scipy.io import mmwrite
    from scipy.sparse import random as sparse_random

    # rank-deficient (two columns repeated) and three columns scaled up: A's largest singular values stand apart
    rng = np.random.default_rng(44)
    dense = sparse_random(400, 40, density=0.1, random_state=rng).toarray()
    dense[:, :3] *= [12.0, 8.0, 5.0]
    dense[:, 30] = dense[:, 10]
    dense[:, 31] = -2 * dense[:, 11]
    b = rng.standard_normal(400)
    mmwrite(str(tmp_path / "A.mtx"), dense)
    minimum_norm = np.linalg.lstsq(dense, b, rcond=None)[0]  # numpy's SVD: the minimum-norm solution
    plain = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", atol=1e-12, btol=1e-12, deflate=0)
    deflated = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", atol=1e-12, btol=1e-12, deflate=3)
    assert deflated.converged and deflated.route == "lsmr"
    assert np.linalg.norm(deflated.x - minimum_norm) <= 1e-9 * np.linalg.norm(minimum_norm)
    assert deflated.iterations[0] < plain.iterations[0], (deflated.iterations, plain.iterations)
    with pytest.raises(penrose.InvalidInputError, match="deflation is for the undamped solve"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", damp=1.0, deflate=3)
    with pytest.raises(penrose.InvalidInputError, match="deflate is for the solve alone"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", deflate=3, cotangent=np.ones(40))
    with pytest.raises(penrose.InvalidInputError, match="deflate must be a number of singular triplets >= 0"):
        linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", deflate=-1)


def test_lsmr_route_vjp_matches_central_differences_of_numpy(spark, tmp_path):
    """The LSMR route's VJP and JVP (further LSMR solves) against central differences of numpy's direct solutions,
    undamped (numpy lstsq) and damped (the ridge normal equations, and d/d damp); residuals are computed."""
    from scipy.io import mmwrite
    from scipy.sparse import random as sparse_random

    rng = np.random.default_rng(50)
    a = sparse_random(120, 15, density=0.1, random_state=rng, format="csr")
    a = a + sparse_random(120, 15, density=0.03, random_state=rng, format="csr")
    mmwrite(str(tmp_path / "A.mtx"), a)
    dense = a.toarray()
    b, g, db = rng.standard_normal(120), rng.standard_normal(15), rng.standard_normal(120)
    da = np.where(dense != 0, rng.standard_normal(dense.shape), 0.0)  # on A's pattern
    for damp in (0.0, 0.8):
        def solve(t, d=damp):
            at, bt = dense + t * da, b + t * db
            return np.linalg.solve(at.T @ at + d * d * np.eye(15), at.T @ bt)

        res = linalg.lstsq(str(tmp_path / "A.mtx"), b, method="lsmr", atol=1e-14, btol=1e-14, damp=damp,
                           max_iterations=500, cotangent=g, tangent=(da, db))
        h = 1e-6
        numeric = (g @ solve(h) - g @ solve(-h)) / (2 * h)
        dx = (solve(h) - solve(-h)) / (2 * h)
        assert np.linalg.norm(res.dx - dx) <= 1e-7 * np.linalg.norm(dx), damp
        grad_a, grad_b = linalg.to_numpy(res.grad_a), linalg.to_numpy(res.grad_b)
        analytic = np.sum(grad_a * da) + grad_b.ravel() @ db
        assert analytic == pytest.approx(numeric, rel=1e-7), damp
        assert res.residuals[0] == pytest.approx(np.sum((b - dense @ res.x) ** 2), rel=1e-12)
        if damp:
            numeric_damp = (g @ solve(0, damp + h) - g @ solve(0, damp - h)) / (2 * h)
            assert res.grad_damp == pytest.approx(numeric_damp, rel=1e-7)
        else:
            assert res.grad_damp is None
