package io.meshfl.engine.spark;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.storage.BlockManagerMessages;
import scala.Option;
import scala.reflect.ClassTag$;

/**
 * Another process on the host calling a node's Spark driver as any Spark client would: it asks the
 * driver's block-manager master which block managers it has (where the alignment's blocks live).
 * Prints {@code ANSWERED ...} or {@code REFUSED ...}. Arguments: the driver's port, and optionally a
 * secret to present.
 */
public final class SparkRpcProbe {

    public static void main(String[] args) {
        SparkConf conf = new SparkConf().set("spark.rpc.askTimeout", "15s").set("spark.network.timeout", "15s");
        if (args.length > 1) conf.set("spark.authenticate", "true").set("spark.authenticate.secret", args[1]);
        RpcEnv env = RpcEnv.create("probe", "127.0.0.1", 0, conf, new SecurityManager(conf, Option.empty(), SecurityManager.$lessinit$greater$default$3()), true);
        try {
            RpcEndpointRef master = env.setupEndpointRefByURI("spark://BlockManagerMaster@127.0.0.1:" + args[0]);
            Object status = master.askSync(BlockManagerMessages.GetMemoryStatus$.MODULE$, ClassTag$.MODULE$.apply(Object.class));
            System.out.println("ANSWERED " + status);
        } catch (Exception e) {
            System.out.println("REFUSED " + e.getClass().getSimpleName());
        } finally {
            env.shutdown();
        }
        System.exit(0);
    }
}
