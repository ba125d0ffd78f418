# Sourced by the infra scripts that run a Java program from Maven Central (kafka/kafka.sh, zipkin/zipkin.sh,
# keycloak/keycloak.sh): fetch it once into its cache folder, through the local Maven repository (~/.m2);
# concurrent fetches wait for the first.
#   fetch_once NAME DIR DONE WHAT COMMAND...
# DONE (a file) there means fetched: nothing to do. Else, holding DIR/.fetch.lock and only if DONE is
# still missing, COMMAND (mvn ..., or a function of the caller) fetches WHAT into DIR. NAME starts the messages.

fetch_once() {
  local name=$1 dir=$2 done=$3 what=$4
  shift 4
  if [ -f "$done" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "$name: Maven is missing: apt-get install maven" >&2; exit 1; }
  mkdir -p "$dir"
  exec 9>"$dir/.fetch.lock"
  flock 9
  if [ ! -f "$done" ]; then
    echo "$name: fetching $what from Maven Central into $dir" >&2
    "$@"
  fi
  exec 9>&-
}
