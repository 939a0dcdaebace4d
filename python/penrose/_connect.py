"""Penrose's requests over Spark Connect: a relation extension (a google.protobuf.StringValue in an Any)
that the server's org.penrose.python.PenroseRelationPlugin turns into a result row."""

#: What starts a request's text (PenroseRelationPlugin.MARKER).
MARKER = "penrose.linalg:"


def frame(spark, request_json):
    """The DataFrame the server computes for ``request_json`` (JSON text)."""
    from google.protobuf import any_pb2, wrappers_pb2
    from pyspark.sql.connect.dataframe import DataFrame
    from pyspark.sql.connect.plan import LogicalPlan

    class ExtensionPlan(LogicalPlan):
        def __init__(self, text):
            super().__init__(None)
            self._text = text

        def plan(self, session):
            relation = self._create_proto_relation()
            extension = any_pb2.Any()
            extension.Pack(wrappers_pb2.StringValue(value=self._text))
            relation.extension.CopyFrom(extension)
            return relation

    return DataFrame(ExtensionPlan(MARKER + request_json), spark)
