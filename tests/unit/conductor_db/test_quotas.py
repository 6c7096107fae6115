"""nova_conductor.db.quotas: project, user and class limits."""

from common.db import api_models as api
from nova_conductor.db import quotas


def test_update_project_creates_then_overwrites(api_db):
    api_db.write(quotas.update_project, 'p1', {'instances': 5, 'cores': 10})
    limits = api_db.write(quotas.update_project, 'p1',
                          {'cores': -1, 'ram': 1024})
    assert limits == {'instances': 5, 'cores': -1, 'ram': 1024}
    assert api_db.rows(api.Quota, 'project_id', 'resource',
                       'hard_limit') == [
        ('p1', 'cores', -1), ('p1', 'instances', 5), ('p1', 'ram', 1024)]


def test_update_project_leaves_other_projects_alone(api_db):
    api_db.write(quotas.update_project, 'p2', {'cores': 3})
    assert api_db.write(quotas.update_project, 'p1', {'cores': 4}) == {
        'cores': 4}
    assert api_db.rows(api.Quota, 'project_id', 'hard_limit') == [
        ('p1', 4), ('p2', 3)]


def test_update_user_is_stored_per_user(api_db):
    api_db.write(quotas.update_user, 'p1', 'u1', {'key_pairs': 2})
    api_db.write(quotas.update_user, 'p1', 'u2', {'key_pairs': 3})
    assert api_db.write(quotas.update_user, 'p1', 'u1',
                        {'key_pairs': -1}) == {'key_pairs': -1}
    assert api_db.rows(api.ProjectUserQuota, 'user_id', 'resource',
                       'hard_limit') == [
        ('u1', 'key_pairs', -1), ('u2', 'key_pairs', 3)]
    assert api_db.count(api.Quota) == 0


def test_update_class(api_db):
    api_db.write(quotas.update_class, 'default', {'instances': 20})
    assert api_db.write(quotas.update_class, 'default',
                        {'instances': 30, 'cores': 40}) == {
        'instances': 30, 'cores': 40}
    assert api_db.rows(api.QuotaClass, 'class_name', 'resource',
                       'hard_limit') == [
        ('default', 'cores', 40), ('default', 'instances', 30)]


def _seed(db):
    for project in ('p1', 'p2'):
        db.write(quotas.update_project, project, {'cores': 1})
        for user in ('u1', 'u2'):
            db.write(quotas.update_user, project, user, {'cores': 1})
    db.write(quotas.update_class, 'default', {'cores': 1})


def test_destroy_project_reverts_the_project_and_its_users(api_db):
    _seed(api_db)
    api_db.write(quotas.destroy_project, 'p1')
    assert api_db.rows(api.Quota, 'project_id') == [('p2',)]
    assert api_db.rows(api.ProjectUserQuota, 'project_id', 'user_id') == [
        ('p2', 'u1'), ('p2', 'u2')]
    assert api_db.count(api.QuotaClass) == 1


def test_destroy_user_reverts_only_that_user(api_db):
    _seed(api_db)
    api_db.write(quotas.destroy_user, 'p1', 'u1')
    assert api_db.rows(api.ProjectUserQuota, 'project_id', 'user_id') == [
        ('p1', 'u2'), ('p2', 'u1'), ('p2', 'u2')]
    assert api_db.count(api.Quota) == 2
