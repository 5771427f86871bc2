"""Customers as CRM reports them: registration, re-sent registrations, address changes.

Late re-sends are part of CRM's life; an older address change never overwrites a newer one.
"""

from __future__ import annotations

from gateway.domain.customers import (
    ChangeCustomerAddress,
    CustomerAddressChanged,
    StaleAddressChangeRecorded,
)
from gateway.domain.deciders import CUSTOMERS
from tests.domain.bank import (
    NEW_HOME,
    OLD_HOME,
    at,
    customer_registered,
    make,
    register_customer,
)
from tests.domain.scenario import given


def test_a_new_customer_is_registered() -> None:
    given().when(register_customer()).then(customer_registered())


def test_a_resent_registration_with_the_same_data_adds_no_event() -> None:
    given(customer_registered()).when(register_customer()).then_nothing()


def test_a_registration_recreated_later_with_the_same_data_adds_no_event() -> None:
    given(customer_registered()).when(register_customer(changed_at=at(9))).then_nothing()


def test_a_resent_registration_after_an_address_change_adds_no_event() -> None:
    moved = make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME)
    given(customer_registered(), moved).when(register_customer()).then_nothing()


def test_a_second_registration_with_other_data_is_rejected() -> None:
    given(customer_registered()).when(register_customer(name="Someone Else")).then_rejected(
        "customer_already_registered"
    )


def test_a_second_registration_with_another_address_is_rejected() -> None:
    given(customer_registered()).when(register_customer(**NEW_HOME)).then_rejected(
        "customer_already_registered"
    )


def test_an_address_change_is_applied() -> None:
    given(customer_registered()).when(
        make(ChangeCustomerAddress, changed_at=at(10), **NEW_HOME)
    ).then(make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME))


def test_an_address_change_for_an_unknown_customer_is_rejected() -> None:
    given().when(make(ChangeCustomerAddress, changed_at=at(10), **NEW_HOME)).then_rejected(
        "unknown_customer"
    )


def test_an_address_change_older_than_the_recorded_one_is_recorded_as_stale() -> None:
    moved = make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME)
    given(customer_registered(), moved).when(
        make(ChangeCustomerAddress, changed_at=at(8), **OLD_HOME)
    ).then(make(StaleAddressChangeRecorded, changed_at=at(8), current_as_of=at(10), **OLD_HOME))


def test_an_address_change_as_old_as_the_recorded_one_is_recorded_as_stale() -> None:
    moved = make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME)
    given(customer_registered(), moved).when(
        make(ChangeCustomerAddress, changed_at=at(10), **OLD_HOME)
    ).then(make(StaleAddressChangeRecorded, changed_at=at(10), current_as_of=at(10), **OLD_HOME))


def test_an_address_change_older_than_the_registration_is_recorded_as_stale() -> None:
    given(customer_registered(changed_at=at(5))).when(
        make(ChangeCustomerAddress, changed_at=at(4), **NEW_HOME)
    ).then(make(StaleAddressChangeRecorded, changed_at=at(4), current_as_of=at(5), **NEW_HOME))


def test_the_same_address_change_resent_adds_no_event() -> None:
    moved = make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME)
    given(customer_registered(), moved).when(
        make(ChangeCustomerAddress, changed_at=at(10), **NEW_HOME)
    ).then_nothing()


def test_a_stale_address_change_leaves_the_address_in_force() -> None:
    moved = make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME)
    stale = make(StaleAddressChangeRecorded, changed_at=at(8), current_as_of=at(10), **OLD_HOME)
    state = CUSTOMERS.replay([customer_registered(), moved, stale])
    assert state is not None
    assert (state.address, state.address_as_of) == (moved.address, at(10))
    assert state.registered_address == customer_registered().address
