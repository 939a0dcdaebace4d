"""Penrose's errors in Python: one exception with Penrose's one-line message, not a Py4J stack dump."""

import functools


class PenroseError(RuntimeError):
    """A Penrose call failed; ``str(error)`` is the one line the command line prints."""


class InvalidInputError(PenroseError, ValueError):
    """Bad input: NaN/Inf, ragged rows, a shape mismatch, a missing column, a corrupt file, a bad option."""


class MissingFileError(PenroseError, FileNotFoundError):
    """A path that does not exist."""


_KINDS = {"input": InvalidInputError, "file": MissingFileError}


def translate(error):
    """The Penrose exception for a Py4J or Spark Connect error, or None when ``error`` is neither."""
    # Py4JJavaError, or the exception PySpark's handler made of it on a classic session
    java_exception = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    if java_exception is not None and hasattr(java_exception, "getClass"):
        from penrose import _jvm

        try:
            bridge = _jvm.active_bridge()
            return _KINDS.get(bridge.kind(java_exception), PenroseError)(bridge.describe(java_exception))
        except Exception:  # the jar is not loaded: Java's own first line
            return _from_message(java_exception.toString())
    try:
        from pyspark.errors import PySparkException
    except ImportError:  # pragma: no cover - pyspark is a dependency
        return None
    if isinstance(error, PySparkException):  # Spark Connect: the server's message and stack trace
        from pyspark.errors import IllegalArgumentException

        message = getattr(error, "_message", None) or str(error)
        first = message.strip().splitlines()[0] if message.strip() else message
        thrown = (getattr(error, "_stacktrace", None) or "").split("\n")[0]
        if thrown.endswith(("MissingPathException", "NoSuchFileException", "FileNotFoundException")):
            return MissingFileError(first)
        if isinstance(error, IllegalArgumentException):
            return InvalidInputError(first)
        return _from_message(message)
    return None


def _from_message(text):
    """The Penrose exception for an error known only by its text (Spark Connect)."""
    message = text.strip().splitlines()[0] if text.strip() else text
    for marker, kind in (
        ("org.penrose.matrix.InvalidInputException: ", InvalidInputError),
        ("org.penrose.io.MatrixFormatException: ", InvalidInputError),
        ("java.lang.IllegalArgumentException: ", InvalidInputError),
        ("java.nio.file.NoSuchFileException: ", MissingFileError),
    ):
        at = text.find(marker)
        if at >= 0:
            line = text[at + len(marker):].strip().splitlines()[0]
            return kind("no such file: " + line if kind is MissingFileError else line)
    return PenroseError(message)


def translated(function):
    """Runs ``function`` raising Penrose's exceptions in place of Py4J's (the cause stays chained)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except PenroseError:
            raise
        except Exception as error:
            penrose_error = translate(error)
            if penrose_error is None:
                raise
            penrose_error.java_error = error  # the original, for a debugger
            raise penrose_error from None

    return wrapper


class reported:
    """A context manager for actions on DataFrames that use Penrose (``collect()``, ``write``), which
    raise where Penrose cannot wrap them: inside it, their errors become Penrose's one-line exceptions::

        with penrose.errors.reported():
            df.select(pf.pinv("A")).collect()
    """

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, PenroseError):
            return False
        penrose_error = translate(error)
        if penrose_error is None:
            return False
        penrose_error.java_error = error
        raise penrose_error from None
