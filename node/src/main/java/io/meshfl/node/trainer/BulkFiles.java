package io.meshfl.node.trainer;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.external.ExternalTrainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parameter values beside a trainer's calls (the trainer protocol's {@code Bulk}): two files in the
 * trainer's owner-only folder, created new by the node when the trainer declares bulk (whatever was
 * at their names, a link included, is removed, never followed) and held open by it until the
 * trainer stops. The node writes a request's values through its handle of the input file and reads
 * the reply's values through its handle of the output file, which it empties before each call; a
 * trainer that puts another file or a link in their place makes the node read nothing, never the
 * other file. Per 1,000,000 parameters this moves 8 MB each way through the page cache, where the
 * same bytes inside gRPC messages are framed and paced in several times the time
 * ({@code bench/run.sh trainer}).
 */
final class BulkFiles implements AutoCloseable {

    static final String INPUT = "parameters.in";
    static final String OUTPUT = "parameters.out";
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path folder;
    private final String label;
    private final FileChannel input;
    private final FileChannel output;
    /** Reused between calls: a direct buffer moves the bytes to and from the files without another copy. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    private BulkFiles(Path folder, String label, FileChannel input, FileChannel output) {
        this.folder = folder;
        this.label = label;
        this.input = input;
        this.output = output;
    }

    /** Creates the two files in {@code folder} (the trainer's), owner only. */
    static BulkFiles create(Path folder, String label) {
        FileChannel in = null;
        try {
            in = open(folder.resolve(INPUT));
            return new BulkFiles(folder, label, in, open(folder.resolve(OUTPUT)));
        } catch (IOException e) {
            try {
                if (in != null) in.close();
            } catch (IOException ignored) {
                // nothing was written
            }
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node could not create the parameter files of " + label, e)
                    .withLocalDetail(label + ": " + folder + ": " + e);
        }
    }

    private static FileChannel open(Path p) throws IOException {
        Files.deleteIfExists(p); // a link is removed, not followed; CREATE_NEW then refuses anything put back
        return FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
    }

    /** The protocol's message naming the files. */
    io.meshfl.proto.trainer.Bulk message() {
        return io.meshfl.proto.trainer.Bulk.newBuilder().setInput(INPUT).setOutput(OUTPUT).build();
    }

    /** Puts {@code tensors}' values back to back into the input file and empties the output file, before a call. */
    void write(List<ExternalTrainer.Tensor> tensors, String operation) {
        try {
            long total = 0;
            for (ExternalTrainer.Tensor t : tensors) total += t.values().length;
            ByteBuffer buf = buffer(Math.toIntExact(8 * total));
            DoubleBuffer values = buf.asDoubleBuffer();
            for (ExternalTrainer.Tensor t : tensors) values.put(t.values());
            input.truncate(0);
            output.truncate(0);
            long at = 0;
            while (buf.hasRemaining()) at += input.write(buf, at);
        } catch (IOException | ArithmeticException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node could not write the parameters of its " + operation + " call for "
                    + label, e).withLocalDetail(label + ": " + folder + ": " + e);
        }
    }

    /**
     * The reply's tensors with their values read from the output file, back to back in the reply's
     * order; the file must hold exactly as many values as the reply's shapes, and each tensor's own
     * data must be empty.
     */
    List<ExternalTrainer.Tensor> read(List<io.meshfl.proto.trainer.Tensor> reply, String operation) {
        long count = 0;
        int[] sizes = new int[reply.size()];
        for (int i = 0; i < reply.size(); i++) {
            io.meshfl.proto.trainer.Tensor t = reply.get(i);
            if (!t.getData().isEmpty()) throw malformed(operation + " answered tensor '" + t.getName() + "' both inline and in its file");
            long n = 1;
            for (long d : t.getShapeList()) {
                if (d < 0 || (d > 0 && n > Integer.MAX_VALUE / d)) {
                    throw malformed(operation + " answered tensor '" + t.getName() + "' with a shape of more than " + Integer.MAX_VALUE + " values");
                }
                n *= d;
            }
            sizes[i] = (int) n;
            count += n;
            if (count > Integer.MAX_VALUE / 8) throw malformed(operation + " answered tensors of more than " + Integer.MAX_VALUE / 8 + " values");
        }
        try {
            long size = output.size();
            if (size != 8 * count) {
                throw malformed(operation + "'s parameter file holds " + size + " bytes where the tensors it answered take " + 8 * count);
            }
            ByteBuffer buf = buffer((int) size);
            while (buf.hasRemaining()) {
                if (output.read(buf, buf.position()) < 0) throw malformed(operation + "'s parameter file shrank while the node read it");
            }
            buf.flip();
            DoubleBuffer values = buf.asDoubleBuffer();
            List<ExternalTrainer.Tensor> tensors = new ArrayList<>(reply.size());
            for (int i = 0; i < reply.size(); i++) {
                double[] v = new double[sizes[i]];
                values.get(v);
                tensors.add(new ExternalTrainer.Tensor(reply.get(i).getName(),
                        reply.get(i).getShapeList().stream().mapToLong(Long::longValue).toArray(), v));
            }
            return tensors;
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node could not read what " + label + " answered to " + operation, e)
                    .withLocalDetail(label + ": " + folder + ": " + e);
        }
    }

    /** The reused buffer, cleared to {@code bytes}, little-endian. */
    private ByteBuffer buffer(int bytes) {
        if (buffer.capacity() < bytes) buffer = ByteBuffer.allocateDirect(bytes);
        buffer.clear().limit(bytes);
        return buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    private MeshflException malformed(String what) {
        return new MeshflException(ErrorCode.NODE_FAILURE, label + " " + what);
    }

    /** Closes the handles and deletes the files: the parameters do not stay on disk after the trainer. */
    @Override
    public void close() {
        for (FileChannel ch : List.of(input, output)) {
            try {
                ch.close();
            } catch (IOException e) {
                // a handle that fails to close held nothing the node still needs
            }
        }
        for (String name : List.of(INPUT, OUTPUT)) {
            try {
                Files.deleteIfExists(folder.resolve(name));
            } catch (IOException e) {
                // the folder is the trainer's and stays for the operator; its files are overwritten by no one after this
            }
        }
    }
}
