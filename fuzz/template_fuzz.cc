// libFuzzer target for the template placeholder parser and the escapers:
// Template::Parse on arbitrary text, Render of whatever parsed (every
// reference resolves to the input itself), and every escaper on the input.
// Nothing may crash, hang or read out of bounds; a parse error must carry a
// "fuzz:line:col: " prefix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace keyward;
  using namespace keyward::agent;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<Template> t = Template::Parse(text, "fuzz");
  if (t.ok()) {
    auto lookup = [&](const ValueRef&) -> StatusOr<SecretValue> {
      return SecretValue(text);
    };
    StatusOr<SecureString> out = t->Render(lookup);
    if (!out.ok()) std::abort();
  } else if (!t.status().message().starts_with("fuzz:")) {
    std::abort();
  }
  for (Escape e : {Escape::kRaw, Escape::kJson, Escape::kDotenv,
                   Escape::kProperties, Escape::kShell}) {
    SecureString out;
    AppendEscaped(e, text, out);
  }
  SecureString key;
  AppendPropertiesKey(text, key);
  return 0;
}
