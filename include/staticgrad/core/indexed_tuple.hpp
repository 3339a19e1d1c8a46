// staticgrad/core/indexed_tuple.hpp - a flat heterogeneous list whose K-th type and element are found
// in constant compiler work, whatever the length: the storage of a network's declarations and of a
// model's nodes.
//
// Why not hana::tuple or std::tuple: reaching element K of those is a call of a function template whose
// deduced arguments include the whole tuple type (`at_c<K>(Xs&)`, `get<K>(tuple<T...>&)`), and g++ checks
// and walks every deduced argument (check_instantiated_args), so each access of an N-element list costs
// O(N) and a network's N accesses O(N^2): at 200 layers (403 nodes) that was 10 of the 14.5 s the front
// end spent resolving the nodes. Here every element is a distinct base `indexed_element<K, T>` and an
// access names that base (or deduces only K and T from it), so nothing the size of the list is deduced.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

namespace sg {

// Element K of an indexed_tuple: its value, under a base class that only index K has.
template <std::size_t K, class T>
struct indexed_element {
  T value;
};

// Tag of the constructor that builds element k in place from what `make_k()` returns: the prvalue
// initialises the element itself (no temporary, no move), so constructing N elements is N calls, not
// N inlined moves and destructors of temporaries in one function body.
struct from_makers_t {};
inline constexpr from_makers_t from_makers{};

namespace detail {
template <std::size_t K, class T>
struct indexed_type {
  using type = T;
};
template <class Seq, class... T>
struct type_index;
template <std::size_t... K, class... T>
struct type_index<std::index_sequence<K...>, T...> : indexed_type<K, T>... {};
template <std::size_t K, class T>
indexed_type<K, T> pick_indexed(const indexed_type<K, T>*);  // deduces T from the one base with index K

template <class Seq, class... T>
struct indexed_tuple_base;
template <std::size_t... K, class... T>
struct indexed_tuple_base<std::index_sequence<K...>, T...> : indexed_element<K, T>... {
  constexpr indexed_tuple_base() = default;
  template <class... A>
  constexpr explicit indexed_tuple_base(std::in_place_t, A&&... a) : indexed_element<K, T>{std::forward<A>(a)}... {}
  template <class... F>
  constexpr explicit indexed_tuple_base(from_makers_t, F&&... make) : indexed_element<K, T>{make()}... {}
};
}  // namespace detail

// The K-th of the types T...: `type_at<type_index_of<T...>, K>`. Keyed by an index type built once per
// list, so each lookup is one derived-to-base deduction.
template <class... T>
using type_index_of = detail::type_index<std::index_sequence_for<T...>, T...>;
template <class Index, std::size_t K>
using type_at = typename decltype(detail::pick_indexed<K>(static_cast<const Index*>(nullptr)))::type;

// A tuple of T...: default-constructible when each T is, built from one argument per element
// (`indexed_tuple<A, B>(std::in_place, a, b)`) or from one maker per element
// (`indexed_tuple<A, B>(sg::from_makers, make_a, make_b)`); element K is `get<K>(t)`.
template <class... T>
struct indexed_tuple : detail::indexed_tuple_base<std::index_sequence_for<T...>, T...> {
  static constexpr std::size_t size = sizeof...(T);
  using index = type_index_of<T...>;
  template <std::size_t K>
  using element_type = type_at<index, K>;
  using detail::indexed_tuple_base<std::index_sequence_for<T...>, T...>::indexed_tuple_base;
};

template <std::size_t K, class T>
constexpr T& get(indexed_element<K, T>& e) {
  return e.value;
}
template <std::size_t K, class T>
constexpr const T& get(const indexed_element<K, T>& e) {
  return e.value;
}

namespace detail {
// f(e), compiled once per (F, element type) and never inlined into the loop: a loop over N elements of
// a few distinct types is then N calls of a few functions, not one body holding N inlined copies.
template <class F, class E>
[[gnu::noinline]] void call_on_element(F& f, E& e) {
  f(e);
}
}  // namespace detail

// f(get<0>(t)), f(get<1>(t)), ... in index order: one call per element, no recursion.
template <class Tuple, class F>
void for_each_element(Tuple& t, F&& f) {
  // A braced list is evaluated in order, and it is flat: a comma fold over N elements would be an
  // expression N levels deep, which g++ walks in time O(N^2).
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    static_cast<void>(std::initializer_list<int>{(detail::call_on_element(f, get<K>(t)), 0)...});
  }(std::make_index_sequence<std::remove_const_t<Tuple>::size>{});
}
// The same from the last element to the first.
template <class Tuple, class F>
void for_each_element_reversed(Tuple& t, F&& f) {
  constexpr std::size_t n = std::remove_const_t<Tuple>::size;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    static_cast<void>(std::initializer_list<int>{(detail::call_on_element(f, get<n - 1 - K>(t)), 0)...});
  }(std::make_index_sequence<n>{});
}

}  // namespace sg
