"""The app's logic, one plain class per screen: no Flet here, so all of it is unit-tested."""
