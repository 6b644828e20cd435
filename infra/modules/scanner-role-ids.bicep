metadata description = 'Built-in role definition IDs the scan worker needs, in one place so every grant is reviewable.'

// Sources: the Azure built-in roles reference (MicrosoftDocs/azure-docs,
// articles/role-based-access-control/built-in-roles/storage.md and .../containers.md), checked against
// shared/reference/azure-role-ids.md where it lists the role.

@export()
@description('AcrPull (listed in shared/reference/azure-role-ids.md): pull the worker image from the deployment\'s own registry.')
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

@export()
@description('Storage Queue Data Message Processor (listed): data actions messages/read ("Peek a message") and messages/process/action ("Retrieve and delete a message"); nothing else.')
var storageQueueDataMessageProcessor = '8a0f0c08-91a1-4084-bc3d-661d67233fed'

@export()
@description('Storage Queue Data Message Sender (listed): the one data action messages/add/action ("Add a message to a queue"), for the poison queue.')
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

@export()
@description('Storage Queue Data Reader (NOT in shared/reference/azure-role-ids.md; from the built-in roles reference, storage.md): action queues/read and data action messages/read, for the KEDA scaler, which reads the queue\'s length but never takes a message.')
var storageQueueDataReader = '19e7f393-937e-4f77-808e-94535e297925'
