// consumer: loads one declared secret through keyward::SecretConfig and prints
// a masked summary (the username, and only the password's length).
//
//   consumer NAME      AWS_* configuration as the AWS SDKs read it
#include <iostream>

#include "keyward/secret_config.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer SECRET_NAME\n";
    return 2;
  }
  auto config = keyward::SecretConfig::Load(
      {keyward::SecretSpec::Required(argv[1], {"username", "password"})});
  if (!config.ok()) {
    std::cerr << "consumer: " << config.status() << "\n";
    return 1;
  }
  auto user = (*config)->Property(argv[1], "username");
  auto password = (*config)->Property(argv[1], "password");
  if (!user.ok() || !password.ok()) {
    std::cerr << "consumer: property missing\n";
    return 1;
  }
  std::cout << "consumer: " << argv[1] << " username=" << user->Reveal()
            << " password=" << password->size() << " chars\n";
  return 0;
}
