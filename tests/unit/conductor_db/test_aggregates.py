"""nova_conductor.db.aggregates: aggregates, hosts, metadata, zones."""

import pytest

from common import exception
from common.db import api_models as api
from nova_conductor.db import aggregates


def _create(db, name='agg1', zone=None, hosts=()):
    aggregate = db.write(aggregates.create, name, zone)
    for host in hosts:
        db.write(aggregates.add_host, aggregate['id'], host)
    return aggregate['id']


def test_create_without_zone(api_db):
    aggregate = api_db.write(aggregates.create, 'agg1')
    assert aggregate['name'] == 'agg1'
    assert aggregate['availability_zone'] is None
    assert aggregate['hosts'] == [] and aggregate['metadata'] == {}
    assert len(aggregate['uuid']) == 36
    assert api_db.rows(api.Aggregate, 'name') == [('agg1',)]
    assert api_db.count(api.AggregateMetadata) == 0


def test_create_in_a_zone_stores_it_as_metadata(api_db):
    aggregate = api_db.write(aggregates.create, 'agg1', 'az1')
    assert aggregate['availability_zone'] == 'az1'
    assert aggregate['metadata'] == {'availability_zone': 'az1'}
    assert api_db.rows(api.AggregateMetadata, 'key', 'value') == [
        ('availability_zone', 'az1')]


def test_duplicate_name_is_aggregate_name_exists(api_db):
    _create(api_db, zone='az1')
    before = api_db.snapshot()
    with pytest.raises(exception.AggregateNameExists) as error:
        _create(api_db, zone='az2')
    assert error.value.format_message() == 'Aggregate agg1 already exists.'
    assert error.value.code == 409
    assert api_db.snapshot() == before


def test_update_renames_and_moves_to_another_zone(api_db):
    agg = _create(api_db, zone='az0', hosts=['h1'])
    aggregate = api_db.write(aggregates.update, agg,
                             {'name': 'agg2', 'availability_zone': 'az1'})
    assert aggregate['name'] == 'agg2'
    assert aggregate['availability_zone'] == 'az1'
    assert aggregate['updated_at'] is not None
    assert api_db.rows(api.Aggregate, 'name') == [('agg2',)]
    assert api_db.rows(api.AggregateMetadata, 'value') == [('az1',)]


def test_rename_to_a_taken_name_changes_nothing(api_db):
    agg = _create(api_db)
    _create(api_db, 'agg2')
    before = api_db.snapshot()
    with pytest.raises(exception.AggregateNameExists) as error:
        api_db.write(aggregates.update, agg,
                     {'name': 'agg2', 'availability_zone': 'az1'})
    assert error.value.format_message() == 'Aggregate agg2 already exists.'
    assert api_db.snapshot() == before


def test_update_to_an_empty_zone_is_refused(api_db):
    agg = _create(api_db, zone='az1')
    before = api_db.snapshot()
    with pytest.raises(exception.InvalidAggregateActionUpdate) as error:
        api_db.write(aggregates.update, agg,
                     {'name': 'new', 'availability_zone': None})
    assert error.value.format_message() == (
        'Cannot update aggregate %d. Reason: Aggregate agg1 does not '
        'support empty named availability zone.' % agg)
    assert error.value.code == 400
    assert api_db.snapshot() == before


def test_moving_hosts_into_a_second_zone_is_refused(api_db):
    _create(api_db, 'in-az1', 'az1', hosts=['h1'])
    agg = _create(api_db, 'agg2', hosts=['h1', 'h2'])
    before = api_db.snapshot()
    with pytest.raises(exception.InvalidAggregateActionUpdate) as error:
        api_db.write(aggregates.update, agg, {'availability_zone': 'az2'})
    assert error.value.format_message() == (
        "Cannot update aggregate %d. Reason: One or more hosts already in "
        "availability zone(s) ['az1']." % agg)
    assert api_db.snapshot() == before


def test_a_zone_shared_with_the_hosts_other_aggregates_is_fine(api_db):
    _create(api_db, 'in-az1', 'az1', hosts=['h1'])
    agg = _create(api_db, 'agg2', 'az2', hosts=['h2'])
    api_db.write(aggregates.update, agg, {'availability_zone': 'az1'})
    assert api_db.write(aggregates.add_host, agg, 'h1')['hosts'] == [
        'h2', 'h1']


def test_destroy_removes_an_empty_aggregate_and_its_metadata(api_db):
    agg = _create(api_db, zone='az1')
    _create(api_db, 'agg2', 'az2')
    assert api_db.write(aggregates.destroy, agg)['name'] == 'agg1'
    assert api_db.rows(api.Aggregate, 'name') == [('agg2',)]
    assert api_db.rows(api.AggregateMetadata, 'value') == [('az2',)]


def test_destroy_an_aggregate_with_hosts_is_refused(api_db):
    agg = _create(api_db, hosts=['h1'])
    before = api_db.snapshot()
    with pytest.raises(exception.InvalidAggregateActionDelete) as error:
        api_db.write(aggregates.destroy, agg)
    assert error.value.format_message() == (
        'Cannot remove host from aggregate %d. Reason: Host aggregate is '
        'not empty.' % agg)
    assert error.value.code == 400
    assert api_db.snapshot() == before


def test_add_and_remove_hosts(api_db):
    agg = _create(api_db, zone='az1', hosts=['h1', 'h2'])
    assert api_db.write(aggregates.remove_host, agg, 'h1')['hosts'] == [
        'h2']
    assert api_db.rows(api.AggregateHost, 'host') == [('h2',)]


def test_a_host_may_be_in_several_aggregates_of_one_zone(api_db):
    _create(api_db, 'agg1', 'az1', hosts=['h1'])
    _create(api_db, 'agg2', 'az1', hosts=['h1'])
    _create(api_db, 'agg3', hosts=['h1'])
    assert api_db.count(api.AggregateHost) == 3


def test_duplicate_host_is_aggregate_host_exists(api_db):
    agg = _create(api_db, zone='az1', hosts=['h1'])
    with pytest.raises(exception.AggregateHostExists) as error:
        api_db.write(aggregates.add_host, agg, 'h1')
    assert error.value.format_message() == \
        'Aggregate %d already has host h1.' % agg
    assert error.value.code == 409
    assert api_db.count(api.AggregateHost) == 1


def test_a_host_cannot_join_a_second_zone(api_db):
    _create(api_db, 'agg1', 'az1', hosts=['h1'])
    agg = _create(api_db, 'agg2', 'az2')
    with pytest.raises(exception.InvalidAggregateActionAdd) as error:
        api_db.write(aggregates.add_host, agg, 'h1')
    assert error.value.format_message() == (
        "Cannot add host to aggregate %d. Reason: One or more hosts "
        "already in availability zone(s) ['az1']." % agg)
    assert error.value.code == 400
    assert api_db.count(api.AggregateHost) == 1


def test_remove_missing_host_is_aggregate_host_not_found(api_db):
    agg = _create(api_db, hosts=['h1'])
    with pytest.raises(exception.AggregateHostNotFound) as error:
        api_db.write(aggregates.remove_host, agg, 'h2')
    assert error.value.format_message() == \
        'Aggregate %d has no host h2.' % agg
    assert error.value.code == 404
    assert api_db.count(api.AggregateHost) == 1


def test_update_metadata_sets_overwrites_and_deletes(api_db):
    agg = _create(api_db, zone='az1')
    api_db.write(aggregates.update_metadata, agg, {'ssd': 'true',
                                                   'gpu': 'no'})
    aggregate = api_db.write(aggregates.update_metadata, agg, {
        'ssd': 'false', 'gpu': None, 'absent': None,
        'availability_zone': 'az2'})
    assert aggregate['metadata'] == {'availability_zone': 'az2',
                                     'ssd': 'false'}
    assert aggregate['availability_zone'] == 'az2'
    assert api_db.rows(api.AggregateMetadata, 'key', 'value') == [
        ('availability_zone', 'az2'), ('ssd', 'false')]


def test_metadata_cannot_move_hosts_into_a_second_zone(api_db):
    _create(api_db, 'agg1', 'az1', hosts=['h1'])
    agg = _create(api_db, 'agg2', hosts=['h1'])
    before = api_db.snapshot()
    with pytest.raises(exception.InvalidAggregateActionUpdateMeta) as error:
        api_db.write(aggregates.update_metadata, agg,
                     {'ssd': 'true', 'availability_zone': 'az2'})
    assert error.value.format_message() == (
        "Cannot update metadata of aggregate %d. Reason: One or more hosts "
        "already in availability zone(s) ['az1']." % agg)
    assert api_db.snapshot() == before


def test_metadata_cannot_unset_the_zone(api_db):
    agg = _create(api_db, zone='az1')
    with pytest.raises(exception.InvalidAggregateActionUpdateMeta):
        api_db.write(aggregates.update_metadata, agg,
                     {'availability_zone': None})
    assert api_db.count(api.AggregateMetadata) == 1


@pytest.mark.parametrize('func, args', [
    (aggregates.update, ({'name': 'x'},)),
    (aggregates.destroy, ()),
    (aggregates.add_host, ('h1',)),
    (aggregates.remove_host, ('h1',)),
    (aggregates.update_metadata, ({'a': 'b'},)),
])
def test_missing_aggregate_is_aggregate_not_found(api_db, func, args):
    with pytest.raises(exception.AggregateNotFound) as error:
        api_db.write(func, 42, *args)
    assert error.value.format_message() == \
        'Aggregate 42 could not be found.'
    assert error.value.code == 404
