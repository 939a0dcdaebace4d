package org.penrose.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The read-ahead stream hands over the source's bytes in order, its error at the point it occurs, and closes. */
class ReadAheadStreamTest {
  @Test
  void sameBytesInOrderWhateverTheReadSizes() throws IOException {
    byte[] data = new byte[5 * (1 << 20) + 12_345]; // several chunks and a partial one
    new Random(1).nextBytes(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Random sizes = new Random(2);
    try (InputStream in = new ReadAheadStream(new ByteArrayInputStream(data), "test")) {
      byte[] buffer = new byte[70_000];
      while (true) {
        if (sizes.nextInt(10) == 0) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          out.write(b);
          continue;
        }
        int n = in.read(buffer, 0, 1 + sizes.nextInt(buffer.length));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
      }
      assertEquals(-1, in.read());
    }
    assertArrayEquals(data, out.toByteArray());
  }

  @Test
  void anEmptySourceEndsAtOnce() throws IOException {
    try (InputStream in = new ReadAheadStream(new ByteArrayInputStream(new byte[0]), "empty")) {
      assertEquals(-1, in.read(new byte[8], 0, 8));
    }
  }

  @Test
  void theSourcesErrorComesAfterTheBytesBeforeIt() throws IOException {
    InputStream failing = new InputStream() {
      private int served;

      @Override
      public int read() throws IOException {
        if (served == 3_000_000) {
          throw new IOException("Unexpected end of ZLIB input stream");
        }
        served++;
        return 7;
      }
    };
    try (InputStream in = new ReadAheadStream(failing, "failing")) {
      byte[] before = in.readNBytes(3_000_000);
      assertEquals(3_000_000, before.length);
      IOException e = assertThrows(IOException.class, in::read);
      assertEquals("Unexpected end of ZLIB input stream", e.getMessage());
    }
  }

  @Test
  void closingBeforeTheEndDoesNotHang() {
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 1;
      }
    };
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      InputStream in = new ReadAheadStream(endless, "endless");
      in.read(new byte[100], 0, 100);
      in.close();
    });
  }
}
