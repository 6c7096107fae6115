"""Exceptions shared by every daemon and the admin commands.

Each carries a message template (``msg_fmt``) filled from keyword
arguments, so the text an operator or API user sees is written once,
next to the condition it names.
"""


class NovaException(Exception):
    """``msg_fmt`` % kwargs is the message; ``code`` the HTTP status."""

    msg_fmt = 'An unknown exception occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        return self.message


class NotFound(NovaException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Invalid(NovaException):
    msg_fmt = 'Unacceptable parameters.'
    code = 400


class InvalidDatabaseURL(Invalid):
    msg_fmt = 'Invalid database connection URL %(url)s: %(reason)s'


class DatabaseUnreachable(NovaException):
    msg_fmt = 'Cannot connect to the database at %(url)s: %(reason)s'


class DatabaseUnavailable(NovaException):
    """A conductor's write failed for want of its database."""

    msg_fmt = 'The database is unavailable: %(reason)s'
    code = 503


class DBSchemaNewer(NovaException):
    msg_fmt = ('The %(database)s database schema is at revision %(current)s, '
               'newer than this code knows (its newest is %(head)s): '
               'upgrade this service before using that database.')


class DBNotSynced(NovaException):
    msg_fmt = ('The %(database)s database schema is not current (at '
               '%(current)s, expected %(head)s): run nova-manage %(command)s.')


class CellMappingNotFound(NotFound):
    msg_fmt = 'Cell %(uuid)s has no mapping.'


class HostMappingNotFound(NotFound):
    msg_fmt = 'Host %(name)s is not mapped to any cell'


class InstanceMappingNotFound(NotFound):
    msg_fmt = 'Instance %(uuid)s has no mapping to a cell.'


class HostMappingExists(NovaException):
    msg_fmt = 'Host %(name)s is already mapped to cell %(cell_uuid)s'


class CellMappingExists(NovaException):
    msg_fmt = ('The specified transport_url and/or database_connection '
               'combination already exists for another cell with uuid '
               '%(uuid)s.')


class CellNotEmpty(NovaException):
    """``reason`` is 'hosts', 'instances' or 'instance_mappings'."""

    msg_fmt = 'Cell %(uuid)s is not empty (%(reason)s).'


class HostMappingNotInCell(NovaException):
    msg_fmt = 'The host %(host)s was not found in the cell %(cell_uuid)s.'


class HostHasInstances(NovaException):
    msg_fmt = 'There are instances on the host %(host)s.'


class ConfigNotSet(NovaException):
    msg_fmt = '[%(group)s] %(option)s is not set in nova.conf.'


class DBDowngradeNotSupported(Invalid):
    msg_fmt = ('Refusing to downgrade the %(database)s database from '
               'revision %(current)s to %(target)s: schema downgrades are '
               'not supported. Restore a backup taken before the upgrade '
               'instead.')


class DatabaseWriteForbidden(NovaException):
    msg_fmt = ('This process only reads the databases: its writes go '
               'through nova-conductor.')


class Conflict(NovaException):
    msg_fmt = 'Conflict updating instance.'
    code = 409


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class ServiceNotUnique(Invalid):
    msg_fmt = 'Service id %(service_id)s refers to multiple services.'


class HostBinaryNotFound(NotFound):
    msg_fmt = 'Could not find binary %(binary)s on host %(host)s.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ComputeServiceUnavailable(Invalid):
    msg_fmt = 'Compute service of %(host)s is unavailable at this time.'


class ServiceHostsInstances(Conflict):
    msg_fmt = ('Unable to delete compute service that is hosting '
               'instances. Migrate or delete the instances first.')


class ServiceHasInProgressMigrations(Conflict):
    msg_fmt = ('Unable to delete compute service that has in-progress '
               'migrations. Complete the migrations or delete the '
               'instances first.')


class MarkerNotFound(NotFound):
    msg_fmt = 'Marker %(marker)s could not be found.'


class PolicyNotAuthorized(NovaException):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."
    code = 403


class ValidationError(Invalid):
    msg_fmt = '%(detail)s'


class InvalidAPIVersionString(Invalid):
    msg_fmt = ('API Version String %(version)s is of invalid format. Must '
               'be of format MajorNum.MinorNum.')


class InvalidGlobalAPIVersion(NovaException):
    msg_fmt = ('Version %(req_ver)s is not supported by the API. Minimum '
               'is %(min_ver)s and maximum is %(max_ver)s.')
    code = 406


# --- writes of the conductor to the API database ----------------------------
# Conflicts are 409 and missing rows 404 here, the codes Nova's API
# answers with, so the API can turn them into responses as they are.

class InvalidInput(Invalid):
    msg_fmt = 'Invalid input received: %(reason)s'


class NetworkNotFound(NotFound):
    msg_fmt = 'Network %(network_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorIdExists(Conflict):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = ('Flavor %(flavor_id)s has no extra specs with key '
               '%(extra_specs_key)s.')


class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class FlavorAccessNotFound(NotFound):
    msg_fmt = ('Flavor access not found for %(flavor_id)s / %(project_id)s '
               'combination.')


class FlavorIsPublic(Conflict):
    msg_fmt = 'Can not add access to a public flavor.'


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class InstanceGroupNotFound(NotFound):
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


class AggregateNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateNameExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


class AggregateHostExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_id)s already has host %(host)s.'


class AggregateHostNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s has no host %(host)s.'


class InvalidAggregateAction(Invalid):
    """A change that would break a zone rule; 400, as in Nova."""


class InvalidAggregateActionAdd(InvalidAggregateAction):
    msg_fmt = ('Cannot add host to aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionDelete(InvalidAggregateAction):
    msg_fmt = ('Cannot remove host from aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdate(InvalidAggregateAction):
    msg_fmt = ('Cannot update aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdateMeta(InvalidAggregateAction):
    msg_fmt = ('Cannot update metadata of aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidName(Invalid):
    msg_fmt = ("An invalid 'name' value was provided. The name must be: "
               "%(reason)s")


class OverQuota(NovaException):
    """A request would take a project or user over ``overs``; callers
    turn it into the error their API promises."""
    msg_fmt = 'Quota exceeded for resources: %(overs)s'


class QuotaError(NovaException):
    msg_fmt = 'Quota exceeded: code=%(code)s'
    code = 413
    # Sent with the 413 (and as ``retryAfter`` in the body), as Nova does.
    headers = {'Retry-After': '0'}


class KeypairLimitExceeded(QuotaError):
    msg_fmt = 'Maximum number of key pairs exceeded'


# --- servers ----------------------------------------------------------------

class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class InstanceExists(NovaException):
    msg_fmt = 'Instance %(name)s already exists.'


class BuildRequestNotFound(NotFound):
    msg_fmt = 'BuildRequest not found for instance %(uuid)s'


class InstanceNotReady(Invalid):
    """An action that needs the server's host, asked before it has one;
    Nova answers 409."""

    msg_fmt = 'Instance %(instance_id)s is not ready'
    code = 409


class HypervisorUnavailable(NovaException):
    msg_fmt = 'Connection to the hypervisor %(uri)s is broken: %(reason)s'


class InstanceInvalidState(Invalid):
    msg_fmt = ('Instance %(instance_uuid)s in %(attr)s %(state)s. Cannot '
               '%(method)s while the instance is in this state.')
    code = 409


class UnexpectedTaskStateError(Invalid):
    msg_fmt = ('Conflict updating instance %(instance_uuid)s. Expected: '
               '%(expected)s. Actual: %(actual)s')
    code = 409


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class InstanceIsLocked(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class NoValidHost(NovaException):
    msg_fmt = 'No valid host was found. %(reason)s'


class MaxRetriesExceeded(NoValidHost):
    msg_fmt = 'Exceeded maximum number of retries. %(reason)s'


class InstanceBuildTimeout(NovaException):
    msg_fmt = 'Instance build timed out. Set to error state.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class ImageNotAuthorized(NovaException):
    msg_fmt = 'Not authorized for image %(image_id)s.'
    code = 403


class ImageBadRequest(Invalid):
    msg_fmt = ('Request of image %(image_id)s got BadRequest response: '
               '%(response)s')


class GlanceConnectionFailed(NovaException):
    msg_fmt = ('Connection to glance host %(server)s failed: %(reason)s')
    code = 503


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskTooSmall(Invalid):
    msg_fmt = "Flavor's disk is too small for requested image."


class FlavorDiskSmallerThanImage(FlavorDiskTooSmall):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk "
               "is %(flavor_size)i bytes, image is %(image_size)i bytes.")


class FlavorDiskSmallerThanMinDisk(FlavorDiskTooSmall):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk "
               "is %(flavor_size)i bytes, minimum size is %(image_min_disk)i "
               "bytes.")


class ImageUnacceptable(Invalid):
    msg_fmt = 'Image %(image_id)s is unacceptable: %(reason)s'


# --- server sub-resources (metadata, tags, usage) ---------------------------

class MetadataLimitExceeded(QuotaError):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class InstanceTagNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s has no tag '%(tag)s'"


class InvalidStrTime(Invalid):
    msg_fmt = 'Invalid datetime string: %(reason)s'


class SchedulerHostFilterNotFound(NotFound):
    msg_fmt = 'Scheduler Host Filter %(filter_name)s could not be found.'


# --- consoles ---------------------------------------------------------------

class ConsoleTypeInvalid(Invalid):
    msg_fmt = 'Invalid console type %(console_type)s'


class ConsoleTypeUnavailable(Invalid):
    msg_fmt = 'Unavailable console type %(console_type)s.'


class InvalidToken(Invalid):
    """A console token that is unknown, expired, or whose server is
    gone.  The token itself is never put in the message: it is a
    credential."""

    msg_fmt = 'The token is invalid or has expired'
    code = 404
