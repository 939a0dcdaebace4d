package org.penrose.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plugin reads only Penrose's requests out of a relation extension and leaves everything else to
 * other plugins without failing (the Python package's Connect tests send real ones through protobuf).
 */
class PenroseRelationPluginTest {
  /** A length-delimited protobuf field: key (number << 3 | 2), varint length, bytes. */
  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, (number << 3) | 2);
    varint(out, value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while (value >= 0x80) {
      out.write((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static byte[] any(String typeUrl, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(field(1, typeUrl.getBytes(StandardCharsets.UTF_8)));
    out.writeBytes(field(2, value));
    return out.toByteArray();
  }

  private static byte[] stringValue(String text) {
    return field(1, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAPenroseRequestOfAnyLength() {
    String request = "penrose.linalg:{\"op\": \"pinv\", \"pad\": \"" + "x".repeat(300) + "\"}";
    assertEquals(request, PenroseRelationPlugin.requestIn(
        any("type.googleapis.com/google.protobuf.StringValue", stringValue(request))));
  }

  @Test
  void leavesOtherExtensionsAndMalformedBytesAlone() {
    assertNull(PenroseRelationPlugin.requestIn(any("type.googleapis.com/google.protobuf.StringValue",
        stringValue("{\"op\": \"pinv\"}"))), "a string without the marker");
    assertNull(PenroseRelationPlugin.requestIn(any("type.googleapis.com/example.Other",
        stringValue("penrose.linalg:{}"))), "another message type");
    assertNull(PenroseRelationPlugin.requestIn(new byte[0]));
    assertNull(PenroseRelationPlugin.requestIn(new byte[] {0x0a, 0x7f, 0x01}), "a length past the end");
    assertNull(PenroseRelationPlugin.requestIn(new byte[] {0x08, 0x01}), "a varint field");
    Random random = new Random(1);
    for (int i = 0; i < 1000; i++) {
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      PenroseRelationPlugin.requestIn(bytes); // no exception, whatever the bytes
    }
  }
}
