#include "keyward/migrate/model.h"

namespace keyward::migrate {

MigrationModel ModelFromInventory(const inventory::Inventory& inventory) {
  MigrationModel m;
  for (const inventory::Application& a : inventory.applications) {
    m.apps.push_back({a.name, a.EffectiveNamespace(), a.iam_principal});
  }
  for (const inventory::Secret& s : inventory.secrets) {
    m.secrets.push_back({s.name, s.consumers, s.properties});
  }
  return m;
}

}  // namespace keyward::migrate
