#!/usr/bin/env bash
# Rebuilds MeshFL, runs the benchmarks and rewrites their blocks in docs/benchmarks.md.
#
#   bench/run.sh                      all of them: machine aggregation rounds wire scale
#   bench/run.sh aggregation wire     only these (each rewrites only its own block)
#
# MVN_FLAGS=-o builds offline; SKIP_BUILD=1 reuses the last build. Each benchmark runs in its own
# JVM(s) and takes one to two minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DOC="$(pwd)/docs/benchmarks.md"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q ${MVN_FLAGS:-} -DskipTests package
fi
CP="bench/target/classes:$(cat bench/target/classpath.txt)"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(machine aggregation rounds wire scale); fi
for t in "${targets[@]}"; do
  echo "== $t"
  case "$t" in
    machine)     java -cp "$CP" io.meshfl.bench.MachineInfo "$DOC" ;;
    aggregation) java -Xmx256m -cp "$CP" io.meshfl.bench.AggregationReport "$DOC" ;;
    rounds)      java -Xmx1g -cp "$CP" io.meshfl.bench.RoundTimeBench "$DOC" ;;
    wire)        java -Xmx1g -cp "$CP" io.meshfl.bench.WireBytesBench "$DOC" ;;
    scale)       java -Xmx256m -cp "$CP" io.meshfl.bench.ScaleBench "$DOC" ;;
    api)         java -Xmx2g -cp "$CP" io.meshfl.bench.ApiLatencyBench "$DOC" ;;
    serving)     java -Xmx3g -cp "$CP" io.meshfl.bench.ServingBench "$DOC" ;;
    tls)         java -Xmx1g -cp "$CP" io.meshfl.bench.TlsBench "$DOC" ;;
    psi)         java -Xmx4g -cp "$CP" io.meshfl.bench.PsiLoopbackBench ${PSI_ARGS:-} ;;
    psi-engines) # PSI 1M x 1M (PSI_ARGS=n) on BouncyCastle's and libsodium's X25519, each beside its floor; needs libsodium23
                 java -Xmx2g -cp "$CP" io.meshfl.bench.PsiEnginesBench "$DOC" ${PSI_ARGS:-1000000} ;;
    vertical)    java -Xmx8g -cp "$CP" io.meshfl.bench.VerticalBench ${VERTICAL_ARGS:-} ;;
    split)       java -Xmx2g -cp "$CP" io.meshfl.bench.SplitBench "$DOC" ;;
    boost)       java -Xmx8g -cp "$CP" io.meshfl.bench.BoostBench ${BOOST_ARGS:-} ;;
    factorized)  java -Xmx4g -cp "$CP" io.meshfl.bench.FactorizedBench "$DOC" ;;
    fedjoin)     java -Xmx4g -cp "$CP" io.meshfl.bench.FederatedJoinBench "$DOC" ;;
    dp)          java -Xmx2g -cp "$CP" io.meshfl.bench.DpBench "$DOC" ;;
    secagg)      java -Xmx3g -cp "$CP" io.meshfl.bench.SecAggBench "$DOC" ;;
    durability)  java -Xmx2g -cp "$CP" io.meshfl.bench.DurabilityBench "$DOC" ;;
    faults)      # the whole fault table (44 faults on both catalogs, about 30 minutes, root), into docs/reliability.md
                 mvn -B -q ${MVN_FLAGS:-} -Pfaults test -pl cli -am -Dsurefire.failIfNoSpecifiedTests=false -Dmeshfl.faults=long -Dmeshfl.faults.doc="$(pwd)/docs/reliability.md" ;;
    trainer)     # an external trainer's round against MeshFL's own, arithmetic removed; a Java trainer and the Python SDK
                 # (/usr/bin/python3 with Debian's grpcio, numpy, protobuf); the modules just built come first, as for trust
                 java -Xmx2g -cp "node/target/classes:proto/target/classes:core/target/classes:$CP" \
                   io.meshfl.bench.TrainerOverheadBenchmark "$DOC" ;;
    stream)      # the stream join through a real Kafka broker beside its floor (STREAM_ARGS=n impressions, default 1,000,000)
                 java -Xmx6g -cp "$CP" io.meshfl.bench.StreamJoinBench "$DOC" ${STREAM_ARGS:-} ;;
    ingest)      # a file stream's CSV parts into its topic exactly once, beside reading them and sending them plainly (INGEST_ARGS=n impressions, default 1,000,000)
                 java -Xmx3g -cp "$CP" io.meshfl.bench.PartsIngestBench "$DOC" ${INGEST_ARGS:-} ;;
    stream-train) # training that follows the stream against batch training on the same joined examples (STREAM_TRAIN_ARGS=n impressions, default 60,000)
                 java -Xmx4g -cp "$CP" io.meshfl.bench.StreamTrainBench "$DOC" ${STREAM_TRAIN_ARGS:-} ;;
    trust)       # the modules just built come first: the classpath file names installed jars, which may be older
                 java -Xmx2g -cp "cli/target/classes:coordinator/target/classes:node/target/classes:proto/target/classes:core/target/classes:$CP" \
                   io.meshfl.bench.TrustBench "$DOC" ;;
    spark-psi)   # entity alignment on the Spark engine against the node's own (SPARK_PSI_ARGS='n m runs', default 1,000,000 each, 2 runs);
                 # prints only: its table goes to docs/benchmarks.md by hand, with the machine and date
                 mvn -B -q ${MVN_FLAGS:-} -Pspark -DskipTests install -pl engines/spark -am
                 mvn -B -q ${MVN_FLAGS:-} -Pspark -pl engines/spark dependency:build-classpath -Dmdep.includeScope=test \
                   -Dmdep.outputFile=target/test-classpath.txt >/dev/null
                 java -Xmx${SPARK_PSI_HEAP:-4g} $(grep -v '^\s*$' engines/spark/jvm-options | tr '\n' ' ') \
                   -cp "engines/spark/target/test-classes:engines/spark/target/classes:$(cat engines/spark/target/test-classpath.txt)" \
                   io.meshfl.engine.spark.SparkPsiBench ${SPARK_PSI_ARGS:-} ;;
    spark-scale) # the Spark node at a size its JVM does not hold: SPARK_SCALE_ARGS='n m heap job engines' (default 20,000,000 x 20 columns against
                 # 2,000,000, the bank node's heap 1g, job count; epoch adds a vertical logistic epoch; engines both: own engine then Spark), a mesh of processes; prints only (about half an hour on two cores)
                 mvn -B -q ${MVN_FLAGS:-} -Pspark -DskipTests install -pl engines/spark -am
                 mvn -B -q ${MVN_FLAGS:-} -Pspark -pl engines/spark dependency:build-classpath -Dmdep.includeScope=test \
                   -Dmdep.outputFile=target/test-classpath.txt >/dev/null
                 java -Xmx2g $(grep -v '^\s*$' engines/spark/jvm-options | tr '\n' ' ') \
                   -cp "engines/spark/target/test-classes:engines/spark/target/classes:$(cat engines/spark/target/test-classpath.txt)" \
                   io.meshfl.engine.spark.SparkScaleBench ${SPARK_SCALE_ARGS:-} ;;
    *) echo "unknown benchmark '$t'; choose from: machine aggregation rounds wire scale api serving tls split factorized fedjoin dp secagg durability trainer faults trust stream ingest stream-train psi-engines spark-psi spark-scale psi vertical boost (the last five print only; PSI_ARGS=n, VERTICAL_ARGS='rows hostFeatures batch', BOOST_ARGS='rows hostFeatures trees')" >&2; exit 2 ;;
  esac
done
