package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An input stream whose source is read ahead on a thread of its own, a few chunks at most: a consumer that
 * parses the bytes (a Matrix Market file) then overlaps its work with the source's (gzip's decompression).
 * The bytes and their order are the source's; an error of the source is thrown by the read that reaches it.
 */
final class ReadAheadStream extends InputStream {
  private static final int CHUNK = 1 << 20;
  private static final int CHUNKS_AHEAD = 4;

  /** A chunk of bytes, the end of the source (no bytes, no error), or the source's error. */
  private record Chunk(byte[] bytes, int length, IOException error) {}

  private static final Chunk END = new Chunk(new byte[0], 0, null);

  private final InputStream source;
  private final BlockingQueue<Chunk> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
  private final Thread reader;
  private Chunk current = new Chunk(new byte[0], 0, null);
  private int position;
  private boolean ended;

  ReadAheadStream(InputStream source, String name) {
    this.source = source;
    this.reader = new Thread(this::readAhead, "penrose-read-ahead " + name);
    reader.setDaemon(true);
    reader.start();
  }

  private void readAhead() {
    try {
      while (true) {
        byte[] bytes = new byte[CHUNK];
        int length = 0;
        IOException error = null;
        try {
          for (int n = 0; n >= 0 && length < CHUNK; length += Math.max(n, 0)) {
            n = source.read(bytes, length, CHUNK - length);
          }
        } catch (IOException e) {
          error = e;
        }
        if (length > 0) { // the bytes before an error too
          chunks.put(new Chunk(bytes, length, null));
        }
        if (error != null) {
          chunks.put(new Chunk(new byte[0], 0, error));
          return;
        }
        if (length < CHUNK) {
          chunks.put(END);
          return;
        }
      }
    } catch (InterruptedException e) {
      // closed: nobody reads on
    }
  }

  /** Makes {@link #current} a chunk with bytes left; false at the end. */
  private boolean fill() throws IOException {
    while (!ended && position == current.length()) {
      try {
        current = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading ahead");
      }
      position = 0;
      if (current.error() != null) {
        ended = true;
        throw current.error();
      }
      ended = current == END;
    }
    return position < current.length();
  }

  @Override
  public int read() throws IOException {
    return fill() ? current.bytes()[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(length, current.length() - position);
    System.arraycopy(current.bytes(), position, buffer, offset, n);
    position += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    reader.interrupt();
    chunks.clear();
    source.close();
  }
}
