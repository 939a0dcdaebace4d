package org.penrose.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Positioned reads from a file: a local {@link FileChannel} or any Hadoop {@link FileSystem}
 * ({@code file:}, {@code hdfs:}, {@code s3a:}, ...), so the same readers serve the driver and the
 * executors.
 */
public interface ByteSource extends Closeable {
  /** The file's length in bytes. */
  long size() throws IOException;

  /**
   * Reads up to {@code length} bytes at {@code position} into {@code buffer[offset..]}.
   *
   * @return the number of bytes read, or -1 at the end of the file
   */
  int read(long position, byte[] buffer, int offset, int length) throws IOException;

  /**
   * Bytes {@code [position, position + length)} mapped into memory (read-only), or null when this source
   * cannot map them (a Hadoop stream; more than 2 GiB).
   */
  default ByteBuffer map(long position, long length) throws IOException {
    return null;
  }

  /** A local file channel (not closed by {@link #close()}: the caller owns it). */
  static ByteSource of(FileChannel channel) {
    return ofChannel(channel, false);
  }

  /** A local file, read with java.nio (closed by {@link #close()}). */
  static ByteSource openLocal(java.nio.file.Path path) throws IOException {
    return ofChannel(FileChannel.open(path, StandardOpenOption.READ), true);
  }

  /** Reads from {@code channel}, closing it on {@link #close()} when {@code owned}. */
  private static ByteSource ofChannel(FileChannel channel, boolean owned) {
    return new ByteSource() {
      @Override
      public long size() throws IOException {
        return channel.size();
      }

      @Override
      public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        return channel.read(ByteBuffer.wrap(buffer, offset, length), position);
      }

      @Override
      public ByteBuffer map(long position, long length) throws IOException {
        return length > Integer.MAX_VALUE || position + length > channel.size() ? null
            : channel.map(FileChannel.MapMode.READ_ONLY, position, length);
      }

      @Override
      public void close() throws IOException {
        if (owned) {
          channel.close();
        }
      }
    };
  }

  /** A file on a Hadoop file system (closed by {@link #close()}). */
  static ByteSource open(FileSystem fs, Path path) throws IOException {
    long size = fs.getFileStatus(path).getLen();
    FSDataInputStream in = fs.open(path);
    return new ByteSource() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        if (position >= size) {
          return -1;
        }
        return in.read(position, buffer, offset, length);
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  /** Reads exactly {@code length} bytes, or as many as the file has; returns the count read. */
  default int readFully(long position, byte[] buffer, int offset, int length) throws IOException {
    int done = 0;
    while (done < length) {
      int n = read(position + done, buffer, offset + done, length - done);
      if (n < 0) {
        break;
      }
      done += n;
    }
    return done;
  }
}
