// The adapter from the inventory to the migration model (eso.h): the
// applications with their Kubernetes namespaces and IAM principals, and the
// secrets with their consumers and property keys. Nothing else of the
// inventory matters to the migration.
//
// Thread-safety: pure function.
#ifndef KEYWARD_MIGRATE_MODEL_H_
#define KEYWARD_MIGRATE_MODEL_H_

#include "keyward/inventory/inventory.h"
#include "keyward/migrate/eso.h"

namespace keyward::migrate {

// Copies the fields the migration uses, in file order.
MigrationModel ModelFromInventory(const inventory::Inventory& inventory);

}  // namespace keyward::migrate

#endif  // KEYWARD_MIGRATE_MODEL_H_
