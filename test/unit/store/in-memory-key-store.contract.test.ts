import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { keyStoreContract } from '../../support/key-store-contract';

// The store the unit tests stand on, held to the contract DynamoKeyStore meets on DynamoDB Local.
keyStoreContract('InMemoryKeyStore', () => Promise.resolve({ store: new InMemoryKeyStore() }));
