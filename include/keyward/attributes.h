// Copyright keyward authors. Compiler attributes used by the public headers.
#ifndef KEYWARD_ATTRIBUTES_H_
#define KEYWARD_ATTRIBUTES_H_

// KEYWARD_LIFETIMEBOUND marks an accessor whose result (a reference, pointer
// or view) lives no longer than the object it is called on, so clang's
// -Wdangling catches
//
//   std::string_view pw = config->Property(name, "password")->Reveal();
//
// (a view into a temporary that is destroyed at the end of the statement).
// Expands to nothing on compilers without the attribute (g++), like abseil's
// ABSL_ATTRIBUTE_LIFETIME_BOUND.
#if defined(__has_cpp_attribute)
#if __has_cpp_attribute(clang::lifetimebound)
#define KEYWARD_LIFETIMEBOUND [[clang::lifetimebound]]
#endif
#endif
#ifndef KEYWARD_LIFETIMEBOUND
#define KEYWARD_LIFETIMEBOUND
#endif

#endif  // KEYWARD_ATTRIBUTES_H_
