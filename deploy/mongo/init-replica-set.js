// Run by init-replica-set.sh (mongosh). Idempotent: initiates the replica
// set only when the server reports it has no configuration yet.
const name = process.env.MONGO_REPLICA_SET || "rs0";
const member = process.env.MONGO_RS_MEMBER || "mongo:27017";

let initiated = false;
try {
  const status = rs.status();
  print(`mongo-init: replica set '${status.set}' already initiated`);
  initiated = true;
} catch (e) {
  if (e.codeName !== "NotYetInitialized") {
    throw e;
  }
}

if (!initiated) {
  // The member's host must be the name the services use (the compose
  // service name), since drivers connect to the hosts listed in the config.
  rs.initiate({ _id: name, members: [{ _id: 0, host: member }] });
  print(`mongo-init: initiated replica set '${name}' with member ${member}`);
}

// Return only once writes are accepted, so dependants start against a primary.
const deadline = Date.now() + 60 * 1000;
while (!db.hello().isWritablePrimary) {
  if (Date.now() > deadline) {
    print("mongo-init: no primary after 60s");
    quit(1);
  }
  sleep(500);
}
print("mongo-init: primary ready");
